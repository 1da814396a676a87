export * from "./api.ts";
export * from "./deadline.ts";
export * from "./files.ts";
export * from "./ids.ts";
export * from "./options.ts";
