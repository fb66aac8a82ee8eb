/* Resources linked to functions (SST's `Resource`). `sst dev`/`sst deploy` regenerate this
 * file from infra/; offline, packages/local sets the same SST_RESOURCE_* values. */
import "sst";
declare module "sst" {
  export interface Resource {
    Transfers: { name: string; type: "sst.aws.Dynamo" };
    Postgres: {
      database: string;
      host: string;
      password: string;
      port: number;
      username: string;
      type: "sst.aws.Postgres";
    };
  }
}
export {};
