import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildPlatform } from './platform';

// The full platform example: `npx cdk synth` runs this (see cdk.json). cdk-nag's AWS Solutions checks run on
// every synth; an unacknowledged finding fails it.
const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
buildPlatform(app);
app.synth();
