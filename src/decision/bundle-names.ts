/** taskguard's own files. A taskguard bundle folder is also an OPA bundle: it carries OPA_BUNDLE_FILES too. */
export const BUNDLE_FILES = { wasm: 'policy.wasm', data: 'data.json', manifest: 'manifest.json' } as const;

/** OPA's manifest (revision, roots, wasm entrypoints) and signatures, under the names OPA gives them. */
export const OPA_BUNDLE_FILES = { manifest: '.manifest', signatures: '.signatures.json' } as const;
