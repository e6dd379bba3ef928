// SPDX-License-Identifier: Apache-2.0
/** DI tokens of the simulator. */
export const SIM_CONFIG = Symbol('legacy-host-sim.Config');
export const SIM_CODEC = Symbol('legacy-host-sim.Iso20022Codec');
