// A backend in another stack calling FaceApi through a client generated from its OpenAPI document:
// openapi-typescript turned the live document into generated/faceapi.d.ts, openapi-fetch calls with
// those types, tsc checks every call, and this program checks the answers of a real service.
// Run by tests/FaceApi.Tests/OpenApi/TypeScriptClientTests.cs with FACEAPI_URL and FACEAPI_FACES set.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { strict as assert } from "node:assert";
import createClient from "openapi-fetch";
import type { components, paths } from "../generated/faceapi.js";

type EmbedResponse = components["schemas"]["EmbedResponse"];

const baseUrl = required("FACEAPI_URL");
const faces = required("FACEAPI_FACES");
const client = createClient<paths>({ baseUrl });

const photo = (name: string): string => readFileSync(join(faces, name)).toString("base64");

async function embed(name: string): Promise<EmbedResponse> {
  const { data, error, response } = await client.POST("/embed", {
    params: { query: { maxFaces: 1 } },
    body: { image: photo(name) },
  });
  assert.ok(data, `POST /embed ${name}: ${response.status} ${JSON.stringify(error)}`);
  return data;
}

const john1 = await embed("john1.jpeg");
const rose1 = await embed("rose1.jpg");
const face = john1.faces[0];
assert.ok(face, "john1.jpeg has a face");
assert.equal(face.embedding.length, john1.dimension, "an embedding has the model's dimension");
assert.equal(face.landmarks?.length, 5, "five landmarks");

const images = await client.POST("/verify", {
  body: { image1: photo("john1.jpeg"), image2: photo("john2.jpeg") },
});
assert.ok(images.data, `POST /verify with two images: ${images.response.status} ${JSON.stringify(images.error)}`);
assert.equal(images.data.match, true, `john1 and john2 are one person (similarity ${images.data.similarity})`);

const embeddings = await client.POST("/verify", {
  params: { query: { threshold: 0.35 } },
  body: { embedding1: face.embedding, embedding2: rose1.faces[0]?.embedding ?? [] },
});
assert.ok(embeddings.data, `POST /verify with two embeddings: ${embeddings.response.status} ${JSON.stringify(embeddings.error)}`);
assert.equal(embeddings.data.match, false, `john1 and rose1 are two people (similarity ${embeddings.data.similarity})`);
assert.equal(embeddings.data.face1, null, "no face is reported for a side sent as an embedding");

const refused = await client.POST("/embed", { body: { image: Buffer.from("not an image").toString("base64") } });
assert.equal(refused.response.status, 400);
assert.equal(refused.error?.["code"], "invalid_image", `problem code of a non-image: ${JSON.stringify(refused.error)}`);

const ready = await client.GET("/health/ready");
assert.equal(ready.data?.status, "ready");

console.log(`typescript client: embed, verify (images, embeddings), problem and readiness checked against ${baseUrl}`);

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`Set ${name}.`);
  }
  return value;
}
