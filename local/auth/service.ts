import { join } from "node:path";
import { logicalName } from "../model/resource-config";
import { qualifiedAddress, stableId } from "../model/identities";
import { defineService } from "../services/service";
import { startAuthService } from "./http-service";
import { LocalUserPools } from "./user-pools";

export interface UserPoolModel {
  address: string;
  logicalName: string;
  id: string;
  name: string;
  clients: { id: string; name: string }[];
}

export interface CognitoPart {
  userPools: UserPoolModel[];
}

const POOL_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Cognito: user pools whose local keys sign tokens, the issuer's JWKS that authorizers fetch, and a token endpoint. */
export const cognitoService = defineService({
  name: "Cognito",
  resourceTypes: ["aws_cognito_user_pool", "aws_cognito_user_pool_client"],
  computedAttributes: {
    aws_cognito_user_pool: (address, _, s) => {
      const id = `${s.region}_${stableId(qualifiedAddress(s, address), 9, POOL_ID_ALPHABET)}`;
      return { id, arn: `arn:aws:cognito-idp:${s.region}:${s.account}:userpool/${id}`, endpoint: `cognito-idp.${s.region}.amazonaws.com/${id}` };
    },
    aws_cognito_user_pool_client: (address, _, s) => ({ id: stableId(qualifiedAddress(s, address), 26) }),
  },
  model: ({ resolver, evaluated }): CognitoPart => {
    const clients = evaluated("aws_cognito_user_pool_client");
    return {
      userPools: evaluated("aws_cognito_user_pool").map(({ address, raw, config }): UserPoolModel => {
        const id = String(resolver.attribute(address, "id"));
        return {
          address,
          logicalName: logicalName(raw, address.split(".")[1]),
          id,
          name: String(config.name),
          clients: clients
            .filter((client) => client.config.user_pool_id === id)
            .map((client) => ({ id: String(resolver.attribute(client.address, "id")), name: String(client.config.name) })),
        };
      }),
    };
  },
  start: async (context) => {
    const pools = new LocalUserPools({ keysDir: context.dataDir && join(context.dataDir, "auth") });
    const service = await startAuthService(pools, { port: context.takePort(), region: context.region });
    context.log(`[runtime] Cognito token and JWKS endpoints on ${service.url}`);
    const ids: string[] = [];
    return {
      pools,
      endpoint: { name: "auth", url: service.url },
      // Authorizers fetch the issuer's JWKS from the host in the token's `iss`.
      routes: { [`cognito-idp.${context.region}.amazonaws.com`]: service.url },
      load: ({ model }) => {
        for (const pool of model.userPools) {
          pools.addPool({ id: pool.id, name: pool.name, clients: pool.clients });
          ids.push(pool.id);
        }
      },
      warm: async () => {
        await Promise.all(ids.map((id) => pools.jwks(id)));
      },
      describe: (model) => ({
        userPools: Object.fromEntries(model.userPools.map((pool) => [pool.logicalName, { id: pool.id, clientId: pool.clients[0]?.id ?? null }])),
      }),
      close: () => service.close(),
    };
  },
});
