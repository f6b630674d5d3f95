/**
 * A JSON body as the tests read it: field by field, each field asserted. Loosely typed on purpose
 * (the one `any` of the tree): the assertions are the check, a type per route would repeat them.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type Json = any;
