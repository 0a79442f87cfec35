// Where checkpoints live. A map of small documents; "not found" is undefined, not an error (OTel storage).

export interface StateStore {
  readonly kind: string;
  /** Bytes all documents together may take (ConfigMap: 1 MiB); undefined = no practical limit. */
  readonly limitBytes?: number;
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** A store key for one (input, input id, service): stable, file-name and ConfigMap-key safe. */
export function stateKey(input: string, inputId: string, service: string): string {
  return `${input}.${inputId}.${service}`.replace(/[^A-Za-z0-9._-]/g, '_');
}
