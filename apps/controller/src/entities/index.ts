import { AgentEntity } from './agent.entity.js';
import { ApiTokenEntity } from './api-token.entity.js';
import { AuditLogEntity } from './audit-log.entity.js';
import { ProgramVersionEntity } from './program-version.entity.js';
import { ProgramEntity } from './program.entity.js';
import { RolloutEntity, RolloutTargetEntity } from './rollout.entity.js';
import { SignatureEntity, VerificationResultEntity, VerificationRunEntity } from './verification.entity.js';

export const entities = [ProgramEntity, ProgramVersionEntity, VerificationRunEntity, VerificationResultEntity, SignatureEntity, AgentEntity, ApiTokenEntity, AuditLogEntity, RolloutEntity, RolloutTargetEntity];
