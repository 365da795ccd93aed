/**
 * How long a page that asked to leave counts as leaving: far longer than a
 * route guard takes to react to the sign-out it was just shown, and short
 * enough that a page that stayed (a beforeunload prompt the user cancelled)
 * can sign in again.
 */
const LEAVING_MS = 5_000

/**
 * Sends the page to `url`, and settles once it is back (from the
 * back/forward cache) or, if it never left, after a while. While it has not
 * settled, the store counts the sign-in or sign-out as under way: a route
 * guard's login() reacting to the logout it was just shown would otherwise
 * replace the navigation to the provider's end-session page, and the
 * provider, its session still alive, would sign the user straight back in.
 */
export function leavePage(url: string): Promise<void> {
  return new Promise((settle, fail) => {
    const stop = () => {
      window.removeEventListener('pageshow', back)
      clearTimeout(timer)
    }
    const done = () => {
      stop()
      settle()
    }
    // A restore only: the pageshow that ends this page's own load (after its images, so possibly after a
    // logout begun at start-up has sent it away) is no return, as in the window wake source.
    const back = (event: Event) => void ((event as PageTransitionEvent).persisted && done())
    const timer = setTimeout(done, LEAVING_MS)
    window.addEventListener('pageshow', back)
    try {
      window.location.assign(url)
    } catch (error) {
      // The page is not leaving: the caller learns why (sign-in-failed, sign-out-failed).
      stop()
      fail(error)
    }
  })
}
