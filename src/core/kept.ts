/** The promise kept for `key`, made once by `make`; one that fails is forgotten, so the next call tries again. */
export function keptPromise<K, V>(
  map: Map<K, Promise<V>>,
  key: K,
  make: () => Promise<V>,
): Promise<V> {
  let kept = map.get(key);
  if (!kept) {
    const made = make();
    kept = made;
    map.set(key, made);
    made.catch(() => {
      if (map.get(key) === made) map.delete(key);
    });
  }
  return kept;
}
