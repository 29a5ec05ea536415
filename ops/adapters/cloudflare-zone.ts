/**
 * The live Cloudflare zone, read through its API (`GET /zones/{id}/dns_records`), so `doctor`
 * compares what Cloudflare really publishes rather than what Pulumi state remembers. Behind
 * {@link CloudflareZone}; {@link CloudflareApiZone} is the real client.
 */

/** One DNS record as the zone holds it. */
export interface ZoneRecord {
  readonly name: string;
  readonly type: string;
  readonly content: string;
  readonly proxied: boolean;
}

/** Reads a zone's records. */
export interface CloudflareZone {
  records(zoneId: string): Promise<ZoneRecord[]>;
}

interface ApiPage {
  success?: boolean;
  errors?: { code?: number; message?: string }[];
  result?: { name?: string; type?: string; content?: string; proxied?: boolean }[];
  result_info?: { page?: number; total_pages?: number };
}

/** The Cloudflare v4 API with an API token (Zone → DNS → Read is enough). */
export class CloudflareApiZone implements CloudflareZone {
  constructor(
    private readonly token: string,
    private readonly baseUrl = "https://api.cloudflare.com/client/v4",
    private readonly timeoutMs = 10_000,
  ) {}

  async records(zoneId: string): Promise<ZoneRecord[]> {
    const out: ZoneRecord[] = [];
    for (let page = 1; ; page++) {
      const url = `${this.baseUrl}/zones/${encodeURIComponent(zoneId)}/dns_records?per_page=100&page=${page}`;
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${this.token}`, accept: "application/json" },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const body = (await response.json().catch(() => ({}))) as ApiPage;
      if (!response.ok || body.success === false) {
        const why = (body.errors ?? []).map((e) => `${e.code ?? "?"} ${e.message ?? ""}`.trim());
        throw new Error(
          `Cloudflare API ${response.status} for zone ${zoneId}${why.length > 0 ? `: ${why.join("; ")}` : ""}`,
        );
      }
      for (const record of body.result ?? []) {
        out.push({
          name: record.name ?? "",
          type: record.type ?? "",
          content: record.content ?? "",
          proxied: record.proxied === true,
        });
      }
      if (page >= (body.result_info?.total_pages ?? 1)) return out;
    }
  }
}
