import { exitWith } from './args';
import { main } from './profile-cli';

exitWith(main(process.argv.slice(2)));
