/**
 * An IDBFactory whose open requests succeed only once `release()` is called:
 * a slow disk or a busy browser at start-up. Everything else is the real
 * (fake-indexeddb) factory, so the database behaves normally once open.
 */
export function slowIndexedDb(real: IDBFactory): { factory: IDBFactory; release(): void } {
  let release!: () => void
  const released = new Promise<void>((resolve) => (release = resolve))
  const factory = {
    open(name: string, version?: number) {
      const request = real.open(name, version)
      return new Proxy(request, {
        set(target, property, value) {
          if (property === 'onsuccess' && typeof value === 'function') {
            target.onsuccess = (event) => void released.then(() => value.call(target, event))
            return true
          }
          return Reflect.set(target, property, value)
        },
        get(target, property) {
          const value = Reflect.get(target, property, target)
          return typeof value === 'function' ? value.bind(target) : value
        },
      })
    },
    deleteDatabase: (name: string) => real.deleteDatabase(name),
    cmp: (a: unknown, b: unknown) => real.cmp(a, b),
    databases: () => real.databases(),
  }
  return { factory: factory as unknown as IDBFactory, release }
}

/**
 * Makes read-write transactions throw `error` (a full disk, a closing
 * connection) until the returned `heal()`; `undo()` puts IndexedDB back.
 */
export function failingWrites(error: () => DOMException): { heal(): void; undo(): void } {
  const proto = IDBDatabase.prototype
  const original = proto.transaction
  let failing = true
  proto.transaction = function (this: IDBDatabase, names: string | string[], mode?: IDBTransactionMode) {
    if (failing && mode === 'readwrite') throw error()
    return original.call(this, names, mode)
  } as typeof proto.transaction
  return { heal: () => void (failing = false), undo: () => void (proto.transaction = original) }
}
