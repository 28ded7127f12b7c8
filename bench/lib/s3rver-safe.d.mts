/** s3rver's server class (the package ships no types); see s3rver-safe.mjs. */
export function loadS3rver(): unknown;
