import { Saga } from "@ewallet/core/saga/saga";

export const handler = Saga.start;
