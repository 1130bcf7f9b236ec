import { stableId } from "../model/identities";

/** The credentials of the runtime's own clients and of users' tools; s3rver knows them as its built-in key. */
export const LOCAL_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface RoleCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

/** Who signs with a local access key: the stack and the role it stands for. */
export interface LocalCaller {
  stackId: string;
  roleArn: string;
}

const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * Temporary credentials of one role of one stack, as Lambda hands a function its execution role's: the same on every
 * run (so a `--data` folder's state stays readable), and different for every role and stack, so that a service can
 * tell the callers apart by the access key they sign with.
 */
export function roleCredentials(caller: LocalCaller): RoleCredentials {
  const seed = `${caller.stackId}/${caller.roleArn}`;
  return {
    accessKeyId: `ASIA${stableId(`${seed}#id`, 16, UPPER)}`,
    secretAccessKey: stableId(`${seed}#secret`, 40, SECRET),
    sessionToken: stableId(`${seed}#session`, 64, SECRET),
  };
}

/** The local access keys in use, each with the caller it belongs to. */
export class LocalCallers {
  private readonly byAccessKey = new Map<string, { caller: LocalCaller; credentials: RoleCredentials }>();
  private readonly listeners = new Set<(credentials: RoleCredentials, caller: LocalCaller) => void>();

  /** Issues (or gives again) the credentials of a role of a stack. */
  issue(caller: LocalCaller): RoleCredentials {
    const credentials = roleCredentials(caller);
    this.byAccessKey.set(credentials.accessKeyId, { caller: { ...caller }, credentials });
    for (const listener of this.listeners) listener(credentials, caller);
    return credentials;
  }

  /** Calls `listener` with every key issued from now on (a service that checks signatures learns them); returns how to stop. */
  onIssue(listener: (credentials: RoleCredentials, caller: LocalCaller) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The caller signing with `accessKeyId`, or undefined for a key this runtime never issued. */
  callerOf(accessKeyId: string): LocalCaller | undefined {
    return this.byAccessKey.get(accessKeyId)?.caller;
  }

  /** The credentials issued with `accessKeyId` (what a service checks its signatures with), or undefined for a key never issued. */
  credentialsOf(accessKeyId: string): RoleCredentials | undefined {
    return this.byAccessKey.get(accessKeyId)?.credentials;
  }
}
