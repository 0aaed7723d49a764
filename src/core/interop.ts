// CommonJS packages bundled into our ES modules expose their exports on `default`;
// run from source (tsx) they have named exports too. This gives the one that has them.
export function cjsNamed<M extends object>(mod: M, probe: keyof M): M {
  if (mod[probe] !== undefined) return mod;
  return (mod as unknown as { default: M }).default;
}
