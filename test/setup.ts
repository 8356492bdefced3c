// aws-cdk-lib validates every synthesized template with a built-in CloudFormation schema check that costs
// about 3 s per synth. Unit tests turn it off; the example templates are still checked, by the pinned cfn-lint
// (test/examples), which covers the same ground and more.
process.env.CDK_VALIDATION = 'false';
