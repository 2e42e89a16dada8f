export * from './quote.js'
export * from './params.js'
export * from './literal.js'
export * from './dialect.js'
