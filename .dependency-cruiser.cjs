/**
 * The layers of ccscope, and the one direction imports may point (docs/architecture.md, "Data flow"):
 *
 *   schemas  ←  runtime  ←  warehouse  ←  collector  ←  dashboard/api  ←  server (the composition root)
 *   schemas  ←  dashboard/ui (the browser: shared schemas only)
 *
 * simulator/, bench/, scripts/ and test/ are tools around the product: they may import any of it, and
 * nothing in the product imports them. Checked by `npm run lint:deps` and in `npm test` (test/layers.test.ts).
 */
const PRODUCT_ABOVE = {
  schemas: '^(runtime|warehouse|collector|dashboard|server)/',
  runtime: '^(warehouse|collector|dashboard|server)/',
  warehouse: '^(collector|dashboard|server)/',
  collector: '^(dashboard|server)/',
  'dashboard/api': '^(dashboard/ui|server|collector)/',
}

module.exports = {
  forbidden: [
    ...Object.entries(PRODUCT_ABOVE).map(([layer, above]) => ({
      name: `${layer.replace('/', '-')}-points-down`,
      comment: `${layer}/ is below ${above}: it must not import them`,
      severity: 'error',
      from: { path: `^${layer}/` },
      to: { path: above },
    })),
    {
      name: 'ui-reads-schemas-only',
      comment: 'the dashboard UI runs in the browser: of the product it imports only schemas/',
      severity: 'error',
      from: { path: '^dashboard/ui/' },
      to: { path: '^(runtime|warehouse|collector|dashboard/api|server)/' },
    },
    {
      name: 'product-does-not-import-tools',
      comment: 'simulator/, bench/, scripts/ and test/ are tools around the product, not part of it',
      severity: 'error',
      from: { path: '^(schemas|runtime|warehouse|collector|dashboard)/' },
      to: { path: '^(simulator|bench|scripts|test)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|scratch)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
}
