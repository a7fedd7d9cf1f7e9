// The typed client for the workerbase API: every path, parameter, body and response is checked against
// schema.d.ts, which generate.py makes from the OpenAPI document. A thin layer over `fetch` (openapi-fetch):
// requests are plain `fetch` calls, so it runs in browsers, Node >= 18, Workers and Deno alike.
import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, paths };
/** A named schema of the API, e.g. `Schema<"ChatOut">`. */
export type Schema<Name extends keyof components["schemas"]> = components["schemas"][Name];
/** Every refusal is an RFC 9457 problem (`application/problem+json`) with a stable `code`. */
export type Problem = Schema<"Problem">;
export type ApiClient = Client<paths>;

/**
 * A client for the API at `baseUrl` (e.g. `https://api.example.com`, no trailing `/v1`). `token` is the
 * credential sent as `Authorization: Bearer ...`: an access token, an API key (`wb_...`), or a function
 * returning the current one (called on every request, so a refreshed token is picked up), or nothing for
 * the public routes (signup, login, public chats).
 */
export function createApiClient(
  baseUrl: string,
  token?: string | (() => string | undefined),
): ApiClient {
  const client = createClient<paths>({ baseUrl });
  if (token !== undefined) {
    client.use({
      onRequest({ request }) {
        const current = typeof token === "function" ? token() : token;
        if (current) request.headers.set("Authorization", `Bearer ${current}`);
        return request;
      },
    });
  }
  return client;
}

/**
 * The multipart body of `POST /v1/files` (pass as its `bodySerializer`): the file in the field `file`,
 * named `filename`, else the `File`'s own name.
 */
export function fileForm(body: { file: Blob } | Blob, filename?: string): FormData {
  const file = body instanceof Blob ? body : body.file;
  const form = new FormData();
  form.append("file", file, filename ?? (file instanceof File ? file.name : "file"));
  return form;
}
