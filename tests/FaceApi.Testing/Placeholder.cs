namespace FaceApi.Testing; internal static class Placeholder {}
