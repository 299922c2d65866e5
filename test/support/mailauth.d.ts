// mailauth 4.x ships no types; the one function the DKIM test uses.
declare module 'mailauth/lib/dkim/verify.js' {
  export function dkimVerify(
    input: Buffer,
    options: { resolver: (name: string, type: string) => Promise<unknown> },
  ): Promise<{ results: Array<{ status?: { result?: string } }> }>;
}
