/** IAM actions Allowed AMIs management needs in each monitored account (`Resource: "*"`, docs/aws.md §Allowed AMIs). */
export const ALLOWED_AMIS_READ_ACTIONS = ['ec2:GetAllowedImagesSettings'];
export const ALLOWED_AMIS_WRITE_ACTIONS = [
  'ec2:EnableAllowedImagesSettings',
  'ec2:ReplaceImageCriteriaInAllowedImagesSettings',
];
