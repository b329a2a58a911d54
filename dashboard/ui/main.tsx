import { startEarly } from './early'
import { preloadPage } from './page-chunks'
import './styles.css'

// The first load. The app's code (React, the router, the query cache: boot.tsx) and the opened page's are
// asked for first: they come back at once, whereas the page's requests hold their connections while the
// warehouse works, and a browser opens only six connections to a server. Then the page's requests start,
// before any of that code has been evaluated (early.ts). Measured with `npm run bench:pages`.
const app = import('./boot')
preloadPage(window.location.pathname)
startEarly(window.location)
void app
