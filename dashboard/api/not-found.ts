/** Thrown by a lookup whose id names nothing (a budget, a schedule, a directory entry): the route answers 404. */
export class NotFound extends Error {}
