import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { RefusedError } from '../../errors.js';
import { readInputFile, type CliIo } from '../../io.js';
import type { ProgramView, UploadResultView, VerificationReportView, VersionView } from './api-types.js';
import { age, table } from './format.js';
import { clientFor, fleetCommand, printJson, type FleetOptions } from './common.js';
import { parseProgramRef } from './parse.js';

const enc = encodeURIComponent;

export function registerPrograms(program: Command, io: CliIo): void {
  fleetCommand(program, io, 'push <file>', 'upload an ELF object as a new version of a program')
    .requiredOption('--name <name>', 'program name')
    .option('--source <file>', 'C or assembly source kept beside the object')
    .option('--description <text>', 'program description')
    .action(async (file: string, options: FleetOptions & { name: string; source?: string; description?: string }) => {
      const client = await clientFor(options);
      const object = await readInputFile(file);
      const form = new FormData();
      form.append('name', options.name);
      if (options.description) form.append('description', options.description);
      if (options.source) {
        let source: string;
        try {
          source = await readFile(options.source, 'utf8');
        } catch (e) {
          throw new RefusedError(`cannot read ${options.source}: ${(e as NodeJS.ErrnoException).code ?? 'EIO'}`);
        }
        form.append('source', source);
        form.append('sourceLang', /\.(s|asm)$/i.test(options.source) ? 'asm' : 'c');
      }
      form.append('object', new Blob([object]), basename(file));
      const result = await client.post<UploadResultView>('/api/v1/programs', form);
      if (options.json) return printJson(io, result);
      const v = result.version;
      io.out(`${result.created ? 'pushed' : 'unchanged, existing'} ${v.program}@${v.version} sha256:${v.digest.slice(0, 16)} (${v.size} bytes, ${v.status})`);
      if (result.queuedProfiles.length > 0) io.out(`verifying against kernel profiles: ${result.queuedProfiles.join(', ')}`);
    });

  fleetCommand(program, io, 'programs', 'list programs')
    .action(async (options: FleetOptions) => {
      const programs = await (await clientFor(options)).get<ProgramView[]>('/api/v1/programs');
      if (options.json) return printJson(io, programs);
      io.out(table(['NAME', 'VERSIONS', 'LATEST', 'UPDATED', 'DESCRIPTION'], programs.map((p) => [p.name, String(p.versions), p.latestVersion === null ? '-' : String(p.latestVersion), `${age(p.updatedAt)} ago`, p.description ?? ''])));
    });

  fleetCommand(program, io, 'versions <name>', "list a program's versions")
    .action(async (name: string, options: FleetOptions) => {
      const versions = await (await clientFor(options)).get<VersionView[]>(`/api/v1/programs/${enc(name)}/versions`);
      if (options.json) return printJson(io, versions);
      io.out(table(['VERSION', 'STATUS', 'DIGEST', 'SIZE', 'PARENT', 'UPLOADER', 'CREATED', 'PROGRAMS'], versions.map((v) => [String(v.version), v.status, v.digest.slice(0, 12), String(v.size), v.parentVersion === null ? '-' : String(v.parentVersion), v.uploader, `${age(v.createdAt)} ago`, v.programs.map((p) => p.name).join(',')])));
    });

  fleetCommand(program, io, 'verify-report <ref>', 'verification results of NAME@VERSION per kernel profile')
    .option('--log', 'print the full verifier log of failed programs')
    .action(async (ref: string, options: FleetOptions & { log?: boolean }) => {
      const { name, version } = parseProgramRef(ref);
      const report = await (await clientFor(options)).get<VerificationReportView>(`/api/v1/programs/${enc(name)}/versions/${version}/verification`);
      if (options.json) return printJson(io, report);
      io.out(`${report.version.program}@${report.version.version}: ${report.version.status}${report.version.signature ? ' (signed)' : ''}`);
      const rows: string[][] = [];
      for (const profile of report.profiles) {
        if (profile.results.length === 0) rows.push([profile.kernelProfile, profile.state, '-', '-', '-', profile.error ?? '']);
        for (const r of profile.results) rows.push([profile.kernelProfile, profile.state, r.program, r.verdict, String(r.processedInsns), r.error ?? '']);
      }
      io.out(table(['KERNEL', 'STATE', 'PROGRAM', 'VERDICT', 'INSNS', 'ERROR'], rows));
      for (const profile of report.profiles) {
        for (const r of profile.results) {
          if (r.verdict !== 'fail') continue;
          // The tail of the log holds the failing instruction, its source line and the hint.
          const lines = r.log.trimEnd().split('\n');
          io.out(`\n--- ${r.program} on ${profile.kernelProfile} ---`);
          io.out((options.log ? lines : lines.slice(-12)).join('\n'));
        }
      }
    });
}
