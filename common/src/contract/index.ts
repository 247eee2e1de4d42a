// What the browser, the waiting room and checkout share: wire types, error codes, sale statuses
// and the identity rule. Nothing here may import Node, Express, Redis or Socket.IO: the client
// imports this module alone (`@flashsale/common/contract`), and ESLint holds it to that.
export * from './error-codes';
export * from './identity';
export * from './sale-status';
export * from './wire';
