import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { SessionProvider } from 'authsession/react'
import { App } from './App'
import { sessionOptions } from './config'

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SessionProvider options={sessionOptions}>
      <App />
    </SessionProvider>
  </StrictMode>,
)
