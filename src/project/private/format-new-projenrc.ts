import { Component, type Project } from 'projen';
import type { Eslint } from 'projen/lib/javascript';

/**
 * After `projen new`: formats the `.projenrc.ts` it wrote. projen counts on its eslint task's `--fix` for that,
 * which a platform repository leaves off (CI must never rewrite source), so projen's first lint of the new
 * project would fail on its own quoting. Runs the eslint task once with `--fix`, after the dependencies are
 * installed (it is added after the package component) and before projen's own lint of the new project.
 */
export class FormatNewProjenrc extends Component {
  private created = false;

  constructor(project: Project, private readonly eslint: Eslint) {
    super(project);
  }

  public projectCreation(): void {
    this.created = true;
  }

  public postSynthesize(): void {
    if (this.created) {
      this.project.tasks.runTask(this.eslint.eslintTask.name, ['--fix']);
    }
  }
}
