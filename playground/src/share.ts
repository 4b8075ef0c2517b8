/**
 * Shareable state in the URL hash: `#preset=<id>` when the code is a preset's,
 * `#preset=<id>&code=<base64url(deflate-raw(utf-8 code))>` when it was edited.
 * The hash never reaches a server, and deflate keeps a typical function under
 * a few hundred characters.
 */
export interface SharedState {
  readonly preset: string | null;
  readonly code: string | null;
}

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Blob([bytes as BlobPart]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

function toBase64Url(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array {
  const s = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

export async function encodeCode(code: string): Promise<string> {
  return toBase64Url(await pipe(new TextEncoder().encode(code), new CompressionStream("deflate-raw")));
}

export async function decodeCode(text: string): Promise<string> {
  return new TextDecoder().decode(await pipe(fromBase64Url(text), new DecompressionStream("deflate-raw")));
}

/** The hash (without "#") for a state; the code is left out when it equals the preset's. */
export async function encodeState(preset: string, code: string, presetCode: string | null): Promise<string> {
  const params = new URLSearchParams({ preset });
  if (code !== presetCode) params.set("code", await encodeCode(code));
  return params.toString();
}

/** Reads a hash (with or without "#"); a code that does not decode is reported as an error. */
export async function decodeState(hash: string): Promise<SharedState> {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const code = params.get("code");
  return { preset: params.get("preset"), code: code === null ? null : await decodeCode(code) };
}
