import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class RmiCommand extends TpodCommand {
  static override paths = [['rmi'], ['image', 'rm'], ['image', 'remove']];
  static override usage = Command.Usage({
    description: 'Remove one or more images from local storage',
    details: `
      Removing an image by one of several names only removes that name. Its untagged parent
      (a build step's image) goes with it when nothing else uses it, and that one's parent
      so on, as in Podman. Layers no other image uses are deleted. Each image is handled on its own: the command removes what
      it can and fails for the rest (exit 1 when an image is not known, unless --force or --ignore is given, 2 when a
      container uses it, 125 otherwise). With --force, the containers using an image are
      removed first (running ones are stopped).
    `,
    examples: [
      ['Remove an image', '$0 rmi busybox'],
      ['Remove every image', '$0 rmi -a'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Remove all images' });
  force = Option.Boolean('-f,--force', false, { description: 'Force Removal of the image' });
  ignore = Option.Boolean('-i,--ignore', false, { description: 'Ignore errors if a specified image does not exist' });
  images = Option.Rest({ name: 'image' });

  async execute(): Promise<number> {
    const { TpodError, UsageError } = await import('../../errors.js');
    if (this.all && this.images.length > 0) throw new UsageError('when using the --all switch, you may not pass any images names or IDs');
    if (!this.all && this.images.length === 0) throw new UsageError('image name or ID must be specified');
    const store = await import('../../image/store.js');
    const { WorkDir } = await import('../../storage/workdir.js');
    const ctx = this.ctx;
    await store.repairStore(ctx);
    const targets = this.all ? store.inStoreOrder(ctx, await store.listImages(ctx)).map((i) => i.id) : this.images;
    const trash = await WorkDir.create(ctx, 'trash');
    const errors: InstanceType<typeof TpodError>[] = [];
    // Podman prints every Untagged line, then every Deleted one.
    const untagged: string[] = [];
    const deleted: string[] = [];
    try {
      for (const t of targets) {
        try {
          const r = await store.removeImage(ctx, t, { force: this.force || this.all, trash, parents: true }).catch(async (err: unknown) => {
            // -f: the containers using the image go first (stopped if running), as in Podman.
            if (!this.force || !(err instanceof TpodError) || err.exitCode !== store.RMI_EXIT.inUse) throw err;
            const { removeImageUsers } = await import('../../engine/remove.js');
            await removeImageUsers(ctx, store.resolveImage(await store.listImages(ctx), t)?.image.id ?? t);
            return store.removeImage(ctx, t, { force: true, trash, parents: true });
          });
          for (const n of r.untagged) untagged.push(`Untagged: ${n}`);
          if (r.deleted) deleted.push(`Deleted: ${r.deleted}`);
          for (const p of r.parents ?? []) deleted.push(`Deleted: ${p}`);
        } catch (err) {
          if (!(err instanceof TpodError)) throw err;
          // As Podman: --force also ignores images that do not exist.
          // -a: an image may have gone already as the untagged parent of another.
          if ((this.ignore || this.force || this.all) && err.code === 'ENOIMAGE') continue;
          errors.push(err);
        }
      }
      const out = [...untagged, ...deleted];
      if (out.length > 0) this.print(out.join('\n'));
    } finally {
      // The images are gone already; a failed deletion is retried by the next command.
      await trash.dispose(ctx).catch((e: Error) => ctx.log.warn(`removed layers will be deleted later: ${e.message}`));
    }
    if (errors.length <= 1) {
      if (errors[0]) throw errors[0];
      return 0;
    }
    // Podman joins several failures into one error (hashicorp/go-multierror's format).
    const last = errors[errors.length - 1]!;
    throw new TpodError(last.code, `${errors.length} errors occurred:\n${errors.map((e) => `\t* ${e.message}`).join('\n')}\n`, { exitCode: last.exitCode });
  }
}
