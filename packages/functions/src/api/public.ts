/**
 * The API's one public path: its OpenAPI document, answered without a token. The app skips the
 * caller check for it (and serves it offline); infra/api.ts routes it, without the authorizer, to
 * the function that serves it in the cloud (openapi-function.ts). A module of its own so that
 * neither the API's Lambda nor infra loads the document to learn where it lives.
 */
export const OPENAPI_PATH = "/openapi.json";
