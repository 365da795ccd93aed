import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'

// A section renamed in one place leaves links to it dead elsewhere: the
// README's in-page links must each name a heading (GitHub's anchors).
const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8')
const outsideCode = readme.replace(/^```[\s\S]*?^```/gm, '')

/** GitHub's anchor of a heading: lower case, punctuation but `-` and `_` dropped, spaces as `-`. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-')

it('every in-page link of the README names a heading', () => {
  const anchors = new Set([...outsideCode.matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchorOf(match[1]!)))
  const links = [...outsideCode.matchAll(/\]\(#([^)\s]+)\)/g)].map((match) => match[1]!)
  expect(links.length).toBeGreaterThan(20)
  expect(links.filter((link) => !anchors.has(link))).toEqual([])
})
