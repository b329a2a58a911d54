import { startEarly } from './early'
import { preloadPage } from './routes'
import './styles.css'

// The first load: the opened page's requests and its code start now, while the app itself loads
// (React, the router, the query cache: boot.tsx). Measured with `npm run bench:pages`.
startEarly(window.location)
preloadPage(window.location.pathname)
void import('./boot')
