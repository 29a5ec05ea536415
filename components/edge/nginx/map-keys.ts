/**
 * The one rule for a key of a `map` the edge renders (the route table's maps from tenant id to
 * upstream, suspension, auth mode and plan, and each plan's map): nginx reads `default` and
 * `include` as the map's own parameters even when quoted (NGINX_MAP_KEYWORDS, model/names.ts,
 * which the config schema reserves too), so such a key would repeat the default or open a file,
 * and fail the whole table. Hosts are DNS names of two or
 * more labels and the auth maps' other keys hold a ':', so only tenant ids and plan names can be
 * one.
 */
import { NGINX_MAP_KEYWORDS } from "../../../model/names";

/** The problem with `key` as a map key, naming `field`; none when it is a plain key. */
export function mapKeyProblems(field: string, key: string): string[] {
  return NGINX_MAP_KEYWORDS.includes(key)
    ? [
        `${field} ${JSON.stringify(key)}: nginx reads ${NGINX_MAP_KEYWORDS.join(", ")} as parameters of a map, not keys, so it cannot be a tenant id or plan name at the edge`,
      ]
    : [];
}
