import { hiddenFor, prng, setFrozen, setOffline, signedOutEvents, within, type ChaosTab, type ChaosWorld } from './chaos-tabs'

/**
 * A randomized soak over the tabs of a ChaosWorld: seeded actions (tabs opened,
 * closed, reloaded, shown, frozen, cut off the network; the provider down;
 * refresh, getAccessToken, update and recordActivity in random tabs), with
 * the invariants checked after each action and at each quiet period.
 */
export interface ChaosReport {
  seed: number
  actions: Record<string, number>
  actionCount: number
  forcedRefreshes: number
  tokensChecked: number
  quietPeriods: number
  /** Longest time from a quiet period's start until every tab showed the stored session. */
  slowestConvergenceMs: number
  violations: string[]
  log: string[]
}

type Sleep = (ms: number) => Promise<void>
const sleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

const EVAL_MS = 20_000

export async function runChaos(world: ChaosWorld, options: { seed: number; durationMs: number; maxActions?: number; quietEvery: number; maxTabs?: number; onLog?: (line: string) => void }): Promise<ChaosReport> {
  const { seed, durationMs, quietEvery } = options
  const maxTabs = options.maxTabs ?? 6
  const random = prng(seed)
  const started = Date.now()
  const report: ChaosReport = { seed, actions: {}, actionCount: 0, forcedRefreshes: 0, tokensChecked: 0, quietPeriods: 0, slowestConvergenceMs: 0, violations: [], log: [] }
  const note = (line: string) => {
    const stamped = `${String(Date.now() - started).padStart(6)} ${line}`
    report.log.push(stamped)
    options.onLog?.(stamped)
  }
  let traced = false
  const violate = (line: string) => {
    report.violations.push(line)
    note(`VIOLATION ${line}`)
    if (process.env.CHAOS_TRACE_IDB && !traced) {
      traced = true
      for (const tab of world.tabs) {
        void tab.page.evaluate(() => (window as unknown as { __idb?: string[] }).__idb ?? []).then(
          (lines) => note(`IDB of tab ${tab.id}${tab.frozen ? ' (frozen)' : ''}:\n    ${lines.slice(-25).join('\n    ')}`),
          () => {},
        )
      }
    }
  }
  /** Background work (refresh, getAccessToken, update in a tab), awaited at each quiet period. */
  const pending = new Set<Promise<unknown>>()
  const background = (work: Promise<unknown>) => {
    const tracked = work.finally(() => pending.delete(tracked))
    pending.add(tracked)
  }
  let providerDown = false
  let downTimer: ReturnType<typeof setTimeout> | undefined
  const seenTokens = new Set<string>()

  /** A tab's events are lost with its page: read them before it goes. */
  const checkSignedOutEvents = async (tab: ChaosTab, why: string) => {
    const events = await within(EVAL_MS, `events of tab ${tab.id}`, signedOutEvents(tab)).catch(() => [])
    if (events.length > 0) violate(`tab ${tab.id} (${why}) showed signed out without a logout: ${JSON.stringify(events)}`)
  }
  const live = () => world.tabs.filter((tab) => !tab.frozen)

  let grantsSeen = 0
  const checkProvider = () => {
    const grants = world.provider.refreshGrantLog()
    for (const entry of grants.slice(grantsSeen)) {
      if (entry.error === 'invalid_grant') violate(`the provider answered invalid_grant (${entry.errorDetail ?? '?'}) to a refresh`)
    }
    grantsSeen = grants.length
  }

  const checkTabs = async () => {
    for (const tab of live()) {
      const state = await within(EVAL_MS, `state of tab ${tab.id}`, tab.page.evaluate(() => window.__app.state())).catch((error: Error) => ({ status: `no answer: ${error.message}`, session: null }))
      if (state.status !== 'authenticated') violate(`tab ${tab.id} shows ${state.status} (${JSON.stringify({ status: state.session?.status, reason: state.session?.revokeReason })})`)
      if (state.session?.accessToken) seenTokens.add(state.session.accessToken)
      if (state.session?.refreshToken) seenTokens.add(state.session.refreshToken)
    }
  }

  const checkWebStorage = async () => {
    for (const tab of live()) {
      const entries = await within(EVAL_MS, `storage of tab ${tab.id}`, tab.page.evaluate(() => window.__app.webStorage())).catch(() => [])
      for (const entry of entries) for (const token of seenTokens) if (entry.includes(token)) violate(`tab ${tab.id} web storage holds a token: ${entry.slice(0, 40)}`)
    }
  }

  /** getAccessToken in `tab`, and the token presented at once to the provider's userinfo endpoint. */
  const tokenCheck = async (tab: ChaosTab) => {
    const outcome = await tab.page
      .evaluate(async () => {
        try {
          const token = await window.__app.getAccessToken()
          return { token, expiresAt: window.__app.state().session?.expiresAt, now: Date.now() }
        } catch (error) {
          return { error: (error as { code?: string }).code ?? String(error) }
        }
      })
      .catch((error: Error) => ({ error: `page: ${error.message.split('\n')[0]}` }))
    if ('error' in outcome) return note(`  token in tab ${tab.id}: ${outcome.error}`)
    seenTokens.add(outcome.token)
    if (providerDown) return note(`  token in tab ${tab.id}: handed out while the provider is down (not checked)`)
    const response = await fetch(`${world.provider.issuer}/me`, { headers: { Authorization: `Bearer ${outcome.token}` } })
    report.tokensChecked += 1
    const left = Date.parse(outcome.expiresAt ?? '') - outcome.now
    if (response.status === 401) violate(`tab ${tab.id} handed out a token the provider refused (${left} ms left by the record)`)
    else note(`  token in tab ${tab.id}: ${response.status}, ${left} ms left`)
  }

  const actions: Array<{ name: string; weight: number; when?: () => boolean; run: () => Promise<string> }> = [
    { name: 'open', weight: 2, when: () => world.tabs.length < maxTabs, run: async () => {
      const tab = await world.open()
      const status = await within(EVAL_MS, 'new tab ready', tab.page.evaluate(() => window.__app.ready()))
      return `tab ${tab.id} (${status})`
    } },
    { name: 'close', weight: 1, when: () => world.tabs.length > 2, run: async () => {
      const tab = random.pick(world.tabs)
      if (!tab.frozen) await checkSignedOutEvents(tab, 'closing')
      world.tabs.splice(world.tabs.indexOf(tab), 1)
      await tab.page.close()
      return `tab ${tab.id}${tab.frozen ? ' (frozen)' : ''}`
    } },
    // Only online tabs: an offline one would show the browser's error page, not the app.
    { name: 'reload', weight: 2, when: () => live().some((t) => !t.offline), run: async () => {
      const tab = random.pick(live().filter((t) => !t.offline))
      await checkSignedOutEvents(tab, 'reloading')
      await tab.page.reload()
      const status = await within(EVAL_MS, 'reloaded tab ready', tab.page.evaluate(() => window.__app.ready()))
      return `tab ${tab.id} (${status})`
    } },
    { name: 'show', weight: 3, run: async () => {
      const tab = random.pick(world.tabs)
      await tab.page.bringToFront()
      return `tab ${tab.id}`
    } },
    // As a browser does it: only a page hidden for a while is frozen (never the one the user looks at).
    { name: 'freeze', weight: 2, when: () => live().length > 1, run: async () => {
      const tab = random.pick(live())
      const hidden = await hiddenFor(tab)
      if (hidden < 1000) return `tab ${tab.id} skipped (hidden for ${hidden} ms)`
      await setFrozen(tab, true)
      return `tab ${tab.id} (hidden for ${hidden} ms)`
    } },
    { name: 'resume', weight: 2, when: () => world.tabs.some((tab) => tab.frozen), run: async () => {
      const tab = random.pick(world.tabs.filter((t) => t.frozen))
      await setFrozen(tab, false)
      return `tab ${tab.id}`
    } },
    { name: 'offline', weight: 1, when: () => world.tabs.some((tab) => !tab.offline), run: async () => {
      const tab = random.pick(world.tabs.filter((t) => !t.offline))
      await setOffline(tab, true)
      return `tab ${tab.id}`
    } },
    // The whole browser loses its network (as when Wi-Fi drops), for a while.
    { name: 'all-offline', weight: 1, when: () => world.tabs.some((tab) => !tab.offline), run: async () => {
      for (const tab of world.tabs) await setOffline(tab, true)
      return `${world.tabs.length} tabs`
    } },
    { name: 'online', weight: 2, when: () => world.tabs.some((tab) => tab.offline), run: async () => {
      const tab = random.pick(world.tabs.filter((t) => t.offline))
      await setOffline(tab, false)
      return `tab ${tab.id}`
    } },
    { name: 'provider-down', weight: 1, when: () => !providerDown, run: async () => {
      // Mostly short; now and then past the access token's expiry.
      const forMs = random.next() < 0.75 ? random.int(1000, 4000) : random.int(6000, 12000)
      const how = random.next() < 0.7 ? true : 'reset'
      providerDown = true
      world.provider.setDown(how)
      downTimer = setTimeout(() => {
        world.provider.setDown(false)
        providerDown = false
        note('provider back up')
      }, forMs)
      return `${how === true ? '503' : 'connection reset'} for ${forMs} ms`
    } },
    { name: 'refresh', weight: 2, when: () => live().length > 0, run: async () => {
      const tab = random.pick(live())
      report.forcedRefreshes += 1
      background(tab.page.evaluate(() => window.__app.refresh().then(() => 'ok', (error: { code?: string }) => error.code ?? String(error)))
        .then((outcome) => note(`  refresh in tab ${tab.id}: ${outcome}`), () => {}))
      return `tab ${tab.id}`
    } },
    { name: 'token', weight: 4, when: () => live().length > 0, run: async () => {
      const tab = random.pick(live())
      background(tokenCheck(tab))
      return `tab ${tab.id}`
    } },
    { name: 'update', weight: 2, when: () => live().length > 0, run: async () => {
      const tab = random.pick(live())
      const city = `c${random.int(0, 999)}`
      background(tab.page.evaluate((c) => window.__app.update({ location: { city: c } }), city).then((ok) => note(`  update in tab ${tab.id}: ${ok}`), () => {}))
      return `tab ${tab.id} city ${city}`
    } },
    { name: 'activity', weight: 3, when: () => live().length > 0, run: async () => {
      const tab = random.pick(live())
      await tab.page.evaluate(() => window.__app.recordActivity())
      return `tab ${tab.id}`
    } },
    { name: 'wait', weight: 3, run: async () => {
      const ms = random.int(500, 3000)
      await sleep(ms)
      return `${ms} ms`
    } },
  ]

  /** Everything back to normal; then every tab must show the stored session, valid at the provider. */
  const quietPeriod = async () => {
    report.quietPeriods += 1
    const quietAt = Date.now()
    clearTimeout(downTimer)
    world.provider.setDown(false)
    providerDown = false
    for (const tab of world.tabs) {
      if (tab.frozen) await setFrozen(tab, false)
      if (tab.offline) await setOffline(tab, false)
    }
    await within(60_000, 'background work', Promise.all([...pending]))
    note(`quiet period ${report.quietPeriods}: all resumed and online, provider up`)
    let last = ''
    for (;;) {
      const states = await Promise.all(world.tabs.map((tab) => within(EVAL_MS, `tab ${tab.id}`, tab.page.evaluate(() => window.__app.state()))))
      const stored = JSON.parse(await world.tabs[0]!.page.evaluate((db) => window.__app.rawDatabase(db), world.dbName)) as { sessions?: { values: Array<{ session?: { accessToken?: string } }> } }
      const storedToken = stored.sessions?.values[0]?.session?.accessToken
      const tokens = states.map((state) => state.session?.accessToken)
      const agreed = states.every((state) => state.status === 'authenticated') && tokens.every((token) => token === storedToken)
      const valid = states.every((state) => Date.parse(state.session?.expiresAt ?? '') > Date.now())
      if (agreed && valid) break
      last = JSON.stringify(states.map((state, i) => ({ tab: world.tabs[i]!.id, status: state.status, same: state.session?.accessToken === storedToken })))
      if (Date.now() - quietAt > 30_000) {
        violate(`tabs did not converge within 30 s of quiet: ${last}`)
        break
      }
      await sleep(200)
    }
    const took = Date.now() - quietAt
    report.slowestConvergenceMs = Math.max(report.slowestConvergenceMs, took)
    note(`  converged in ${took} ms over ${world.tabs.length} tabs`)
    for (const tab of world.tabs) await tokenCheck(tab)
    await checkWebStorage()
  }

  note(`seed ${seed}`)
  while (Date.now() - started < durationMs && report.actionCount < (options.maxActions ?? Infinity)) {
    const possible = actions.filter((action) => action.when?.() ?? true)
    let roll = random.next() * possible.reduce((sum, action) => sum + action.weight, 0)
    const action = possible.find((a) => (roll -= a.weight) < 0) ?? possible[0]!
    report.actionCount += 1
    report.actions[action.name] = (report.actions[action.name] ?? 0) + 1
    try {
      note(`#${report.actionCount} ${action.name} ${await action.run()}`)
    } catch (error) {
      violate(`#${report.actionCount} ${action.name} threw: ${(error as Error).message.split('\n')[0]}`)
    }
    checkProvider()
    await checkTabs()
    if (report.actionCount % quietEvery === 0) await quietPeriod()
    await sleep(random.int(50, 600))
  }
  await quietPeriod()
  checkProvider()
  for (const tab of world.tabs) await checkSignedOutEvents(tab, 'at the end')
  for (const error of world.pageErrors) violate(`uncaught in a page: ${error}`)
  return report
}
