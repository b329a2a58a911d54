/** Text with no control characters (C0 and DEL): what a user key or a search may hold. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters, to refuse them, is the point
export const PRINTABLE = /^[^\u0000-\u001f\u007f]+$/
