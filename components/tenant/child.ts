/** Moved to components/create-child.ts, shared by every component; kept so imports still work. */
export { createChild, type ResourceClass } from "../create-child";
