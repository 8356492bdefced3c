import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildSageMakerOnlyPlatform } from './platform';

// A platform on SageMaker only (no EKS):
//   npx cdk synth --app "npx ts-node --transpile-only --project tsconfig.json examples/sagemaker-only/main.ts"
// cdk-nag's AWS Solutions checks run on every synth; an unacknowledged finding fails it.
const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
buildSageMakerOnlyPlatform(app);
app.synth();
