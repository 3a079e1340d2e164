using FaceApi.Tests.Hosting;

// One in-memory service and one Kestrel service for the whole assembly: each loads and warms the
// models once instead of once per test class.
[assembly: AssemblyFixture(typeof(FaceApiFactory))]
[assembly: AssemblyFixture(typeof(KestrelFaceApiFactory))]
