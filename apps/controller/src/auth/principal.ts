import type { Role } from '../entities/api-token.entity.js';

/** Who is calling: set on the request by the auth guard. */
export interface Principal {
  readonly tokenId: string | null;
  readonly name: string;
  readonly role: Role;
}

const rank: Readonly<Record<Role, number>> = { viewer: 0, operator: 1, admin: 2 };

export function roleAtLeast(role: Role, minimum: Role): boolean {
  return rank[role] >= rank[minimum];
}

export interface RequestWithPrincipal {
  principal?: Principal;
}
