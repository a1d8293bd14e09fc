/**
 * The request/response shapes every transport layer speaks. Bodies are buffered: this
 * client moves manifests, configs and small blobs, and a buffered body can be checked
 * against its digest and retried whole when the connection drops mid-way.
 */
export interface HttpRequest {
  readonly method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  /** Token scopes this request needs (`repository:app:pull,push`); read by the auth layer. */
  readonly scopes?: readonly string[];
  /** Refuse response bodies larger than this (default 8 MiB). */
  readonly maxBodyBytes?: number;
  readonly signal?: AbortSignal;
}

export interface HttpResponse {
  readonly status: number;
  /** Lower-cased header names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** Final URL after redirects. */
  readonly url: string;
}

export type Sender = (request: HttpRequest) => Promise<HttpResponse>;
