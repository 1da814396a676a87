import { writeStderr } from "./fd-write.ts";

/** Logs go to stderr only: go reads stdout as the protocol stream and any stray byte there is fatal. */
const LEVELS = ["error", "warn", "info", "debug"] as const;
export type LogLevel = (typeof LEVELS)[number];

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  enabled(level: LogLevel): boolean;
}

export function createLogger(level: string, write: (line: string) => void = writeStderr): Logger {
  const threshold = Math.max(0, LEVELS.indexOf(level as LogLevel));
  const at = (lvl: LogLevel) => (message: string) => {
    if (LEVELS.indexOf(lvl) <= threshold) write(`gocacheprog: ${lvl}: ${message}\n`);
  };
  return {
    error: at("error"),
    warn: at("warn"),
    info: at("info"),
    debug: at("debug"),
    enabled: (lvl) => LEVELS.indexOf(lvl) <= threshold,
  };
}
