// Names for the API's types. Nothing here describes a shape: every type comes from
// openapi.gen.ts, which `npm run gen:api` generates from the backend's OpenAPI document
// (functions/chalicelib/data/openapi.json). Named components are aliased; everything else is
// looked up by path and method, so an inline schema that later becomes a component changes nothing.

import type { components, paths } from "./openapi.gen";

type Schemas = components["schemas"];

// ---- Reaching an operation by its path and method

export type Method = "get" | "post" | "patch" | "put" | "delete";

/** The document's paths that have an operation for `M`. */
export type PathWith<M extends Method> = {
  [P in keyof paths]: paths[P][M] extends { responses: unknown } ? P : never;
}[keyof paths];

type Operation<P extends keyof paths, M extends Method> = Extract<paths[P][M], { responses: unknown }>;
type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;

/** The JSON request body, `undefined` when the operation takes none. */
export type RequestBody<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody: infer R } ? Json<R> : Operation<P, M> extends { requestBody?: infer R } ? Json<R> | undefined : undefined;

/** The path parameters, `undefined` when the path has none. */
export type PathParams<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { parameters: { path: infer A } } ? A : undefined;

/** The query parameters, `undefined` when the operation takes none. */
export type QueryParams<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? ([Q] extends [never] ? undefined : Q) : undefined;

type Responses<P extends keyof paths, M extends Method> = Operation<P, M>["responses"];
type SuccessCode<R> = Extract<keyof R, 200 | 201 | 202 | 204>;

/** The JSON body of the operation's success answer; `void` when it answers 204 without one. */
export type ResponseBody<P extends keyof paths, M extends Method> =
  Json<Responses<P, M>[SuccessCode<Responses<P, M>>]> extends infer B ? ([B] extends [never] ? void : B) : never;

// ---- Named components

export type ApiErrorBody = Schemas["Error"];
export type TokenPair = Schemas["Session"];
export type Me = Schemas["Profile"];
export type NotificationPrefs = Me["notifications"];
export type FocalPoint = Schemas["FocalPoint"];
export type Image = Schemas["Image"];
export type ImageState = Image["state"];
export type QuietHours = NonNullable<Schemas["QuietHours"]>;
export type Frame = Schemas["Frame"];
export type FrameStatus = Frame["status"];
export type Panel = Frame["panel"];
export type Orientation = Frame["orientation"];
export type SlideOrder = Frame["order"];
export type SendPolicy = Frame["sendPolicy"];
export type FrameTarget = Schemas["Target"];
export type Delivery = Schemas["Delivery"];
export type DeliveryState = Delivery["state"];
export type Share = Schemas["Share"];
export type FrameItem = Schemas["FrameItem"];
export type Friend = Schemas["Person"];
export type Dashboard = Schemas["Dashboard"];
export type ActivityDay = Dashboard["activity"][number];
export type RecentEvent = Dashboard["recent"][number];
export type Release = Schemas["Release"];
export type Notification = Schemas["Notification"];

// ---- Inline schemas, by operation

export type RegisterBody = RequestBody<"/auth/register", "post">;
export type LoginResult = ResponseBody<"/auth/login", "post">;
export type MePatch = NonNullable<RequestBody<"/me", "patch">>;
export type CreateImageBody = RequestBody<"/images", "post">;
export type ImagePatch = NonNullable<RequestBody<"/images/{image_id}", "patch">>;
export type Rendition = ResponseBody<"/images/{image_id}/renditions/{panel}", "get">;
export type FramePreview = ResponseBody<"/images/{image_id}/frames/{frame_id}/preview", "get">;
export type FramePatch = NonNullable<RequestBody<"/frames/{frame_id}", "patch">>;
export type FriendRequest = ResponseBody<"/friends/requests", "get">["items"][number];
export type Block = ResponseBody<"/blocks", "get">["items"][number];
export type CreateShareBody = RequestBody<"/shares", "post">;
export type Duration = NonNullable<CreateShareBody["duration"]>;
export type ShareQuery = NonNullable<QueryParams<"/shares", "get">>;
export type FirmwareInfo = ResponseBody<"/frames/{frame_id}/firmware", "get">;
