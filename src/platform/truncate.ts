/** `text` cut to `max` characters, the last one an ellipsis when cut. */
export function truncate(text: string, max = 1024): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
