// A real pino logger writing into memory; tests read the JSON lines it wrote.
import pino, { type Logger } from 'pino';

export interface MemoryLog {
  logger: Logger;
  lines(): Array<Record<string, unknown>>;
  raw(): string;
  clear(): void;
}

export function memoryLogger(level: pino.LevelWithSilent = 'trace'): MemoryLog {
  let text = '';
  const logger = pino({ level }, { write: (chunk: string) => { text += chunk; } });
  return {
    logger,
    raw: () => text,
    lines: () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
    clear: () => { text = ''; },
  };
}
