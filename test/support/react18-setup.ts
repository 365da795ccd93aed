import { version as reactVersion } from 'react'
import { version as domVersion } from 'react-dom'

// The react18 project must really run React 18: if the aliases stopped
// applying, it would quietly run the React 19 suite twice.
if (!reactVersion.startsWith('18.') || !domVersion.startsWith('18.')) {
  throw new Error(`The react18 project loaded react ${reactVersion} and react-dom ${domVersion}; run \`npm run react18:install\``)
}
