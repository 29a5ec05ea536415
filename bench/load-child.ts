/**
 * The load client's own process, so it never shares an event loop with the servers it measures.
 * It runs each `LoadSpec` it is sent and answers with the `LoadResult`; it exits when the parent
 * disconnects, and after ten minutes whatever happens.
 */
import { runLoad, type LoadSpec } from "./load";

setTimeout(() => process.exit(0), 10 * 60_000).unref();
process.on("disconnect", () => process.exit(0));
process.on("message", (spec: LoadSpec) => {
  runLoad(spec).then(
    (result) => process.send?.(result),
    (error: unknown) => process.send?.({ error: String(error) }),
  );
});
process.send?.({ ready: true });
