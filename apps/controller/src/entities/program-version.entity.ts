import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type VersionStatus = 'pending' | 'verifying' | 'signed' | 'rejected' | 'error';

/** A program in the uploaded object (an ELF may hold several). */
export interface ObjectProgram {
  readonly name: string;
  readonly section: string;
}

@Entity('program_versions')
export class ProgramVersionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'program_id', type: 'uuid' })
  programId!: string;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ type: 'char', length: 64 })
  digest!: string;

  @Column({ type: 'integer' })
  size!: number;

  /** The ELF bytes; selected only where needed (download, verification). */
  @Column({ type: 'bytea', select: false })
  object!: Buffer;

  @Column({ type: 'text', nullable: true, select: false })
  source!: string | null;

  @Column({ name: 'source_lang', type: 'text', nullable: true })
  sourceLang!: string | null;

  @Column({ type: 'text' })
  uploader!: string;

  @Column({ name: 'parent_version_id', type: 'uuid', nullable: true })
  parentVersionId!: string | null;

  @Column({ type: 'text' })
  status!: VersionStatus;

  @Column({ name: 'object_programs', type: 'jsonb' })
  objectPrograms!: ObjectProgram[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
