import { lazy } from 'react'
import { ROUTES } from './page-chunks'

/** Each page with its lazy component, created once here (a new lazy() per render would load it again). */
export const PAGE_ROUTES = ROUTES.map((route) => ({ ...route, Page: lazy(route.load) }))
