export * from "./api.ts";
export * from "./ids.ts";
export * from "./options.ts";
