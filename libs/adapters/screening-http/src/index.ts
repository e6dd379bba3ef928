// SPDX-License-Identifier: Apache-2.0
export { HttpScreeningService, type HttpScreeningOptions } from './http-screening.adapter.js';
