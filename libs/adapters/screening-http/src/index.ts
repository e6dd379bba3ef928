export { HttpScreeningService, type HttpScreeningOptions } from './http-screening.adapter.js';
