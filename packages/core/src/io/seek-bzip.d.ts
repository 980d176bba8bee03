/** The part of seek-bzip (pure-JS bzip2 decoder, no types of its own) that compression.ts uses. */
declare module 'seek-bzip' {
  export interface BunzipInput {
    /** The next byte; seek-bzip reads past the end without asking, so this should throw there. */
    readByte(): number;
    read(buffer: Uint8Array, offset: number, length: number): number;
    seek(position: number): void;
    eof(): boolean;
  }
  export interface BunzipOutput {
    writeByte(byte: number): void;
  }
  const Bunzip: {
    /** Decodes every bzip2 stream of `input` (with `multistream`) into `output`; throws TypeError with `errorCode` on bad data. */
    decode(input: BunzipInput, output: BunzipOutput, multistream?: boolean): void;
  };
  export default Bunzip;
}
